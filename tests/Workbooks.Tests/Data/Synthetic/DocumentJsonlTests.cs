using System.Text.Json;
using Workbooks.Data;
using Workbooks.Data.Synthetic;

namespace Workbooks.Tests.Data.Synthetic;

public class DocumentJsonlTests
{
    [Fact]
    public void OmitsNullFieldsAndKeepsOperatorsReadable()
    {
        string line = DocumentJsonl.ToLine(new Document("add: 2+3=5\n", "task:add", Skill: "add", Answer: "5", Prompt: "add: 2+3="));
        Assert.Equal("{\"text\":\"add: 2+3=5\\n\",\"domain\":\"task:add\",\"skill\":\"add\",\"prompt\":\"add: 2+3=\",\"answer\":\"5\"}", line);
        Assert.Equal("{\"text\":\"x>y\",\"domain\":\"d\",\"difficulty\":3}", DocumentJsonl.ToLine(new Document("x>y", "d", Difficulty: 3)));
    }

    [Fact]
    public void EveryLineIsAJsonObjectWithTheDocumentsFields()
    {
        var docs = SyntheticCorpora.Get("skills:lego3").Generate(20, 1).ToList();
        var lines = DocumentJsonl.ToText(docs).Split('\n');
        Assert.Equal("", lines[^1]);
        for (int i = 0; i < docs.Count; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            var o = json.RootElement;
            Assert.Equal(docs[i].Text, o.GetProperty("text").GetString());
            Assert.Equal(docs[i].Prompt, o.GetProperty("prompt").GetString());
            Assert.Equal(docs[i].Answer, o.GetProperty("answer").GetString());
            Assert.Equal(3, o.GetProperty("difficulty").GetInt32());
        }
    }
}
